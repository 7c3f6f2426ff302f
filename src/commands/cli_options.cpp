#include "commands/cli_options.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <functional>
#include <sstream>

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

New data in a learned basis: mpinmf project --help
Any input rewritten as the HDF5 layout read fastest (CSR or dense): mpinmf convert --help
A test matrix with a known answer (planted factors and clusters): mpinmf generate --help
Which k? Restarts of each candidate, consensus and cophenetic correlation: mpinmf survey --help
)";

constexpr const char* kFooter = R"(
Rules (the Frobenius rules minimize ½‖V − WH‖² plus the penalties, kl the divergence;
each never increases its objective):
  mu        Lee & Seung's multiplicative updates, the reference (R's NMF "lee"):
            simple, slow to converge (thousands of iterations for a tight fit).
  pgd       projected gradient with an L2 penalty λ (--lambda); the step adapts to the
            data unless --learning-rate fixes it.
  hals      hierarchical alternating least squares, several cheap sweeps over the
            components per iteration: fast, the usual first choice.
  anls-bpp  alternating non-negative least squares, each half solved exactly by block
            principal pivoting: fewest iterations, the most accurate, best for small k.
  kl        multiplicative updates for the Kullback–Leibler divergence D(V ‖ WH),
            for counts (Poisson noise): single-cell, text, ratings.

Penalties (scikit-learn's names and scaling, so settings carry across):
  α_W·ρ·n·‖W‖₁ + ½·α_W·(1 − ρ)·n·‖W‖² + α_H·ρ·m·‖H‖₁ + ½·α_H·(1 − ρ)·m·‖H‖²
  with α = --alpha-W / --alpha-H, ρ = --l1-ratio, V m × n. L1 (ρ = 1) makes factors
  sparse, L2 (ρ = 0) keeps them small.

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

constexpr const char* kPrecisionHelp =
    "double, or single: V and the loop's factors in single precision, half V's memory and about "
    "twice the speed for dense V; the sums that decide convergence stay double (see "
    "Precision in mpinmf --help)";

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
penalties as factorization (--alpha-W, --alpha-H, --l1-ratio).
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

For each k in --ranks, --restarts factorizations from different random starts. Each
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
with --rank K --seed <best_seed> and the same rule.

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

std::string joined(const std::string& program, const std::vector<std::string>& arguments) {
  std::string command = program;
  for (const std::string& argument : arguments) {
    command += " " + argument;
  }
  return command;
}

/// Parses `arguments` against `options`: the help (`usage`, the options, `footer`) when
/// asked, or the values, which `finish` completes and validates. Errors become usage errors.
void parse_arguments(CommandLine& result, const std::vector<std::string>& arguments,
                     const po::options_description& options, const char* usage,
                     const std::function<void(const po::variables_map&)>& finish,
                     const char* footer = "") {
  reporting_usage_errors(result, [&] {
    po::variables_map values;
    po::store(po::command_line_parser(arguments).options(options).run(), values);
    po::notify(values);
    if (values.count("help") != 0U) {
      std::ostringstream help;
      help << usage << "\n" << options << footer;
      result.action = CommandLine::Action::help;
      result.message = help.str();
      return;
    }
    finish(values);
  });
}

CommandLine parse_project(const std::vector<std::string>& arguments) {
  CommandLine result;
  result.action = CommandLine::Action::project;
  ProjectOptions& o = result.project;
  double alpha_H = 0.0;
  po::options_description all("Options");
  all.add_options()("model,m", po::value(&o.model)->value_name("FILE"),
                    "result file of mpinmf holding /W and /H (required)")(
      "input,i", po::value(&o.input)->value_name("FILE"), "HDF5 file with the new data (required)")(
      "dataset,d", po::value(&o.dataset)->value_name("PATH")->default_value(o.dataset),
      "2-D dataset inside the input")("output,o", po::value(&o.output)->value_name("FILE"),
                                      "file to write to (required)")(
      "overwrite", po::bool_switch(&o.overwrite), "replace the output file if it exists")(
      "axis", po::value(&o.axis)->value_name("AXIS")->default_value(o.axis),
      "columns: solve for H' with W fixed; rows: solve for W'' with H fixed")(
      "alpha-W", po::value(&o.rule.alpha_W)->value_name("α")->default_value(0.0),
      "penalty weight on W")("alpha-H", po::value(&alpha_H)->value_name("α"),
                             "penalty weight on H (default: --alpha-W)")(
      "l1-ratio", po::value(&o.rule.l1_ratio)->value_name("ρ")->default_value(0.0),
      "share of L1 in the penalty")(
      "threads", po::value(&o.threads)->value_name("N")->default_value(0),
      "threads per rank, for BLAS and mpinmf's own loops (0: automatic)")("help,h",
                                                                          "show this help");
  parse_arguments(result, arguments, all, kProjectUsage, [&](const po::variables_map& values) {
    if (values.count("alpha-H") != 0U) {
      o.rule.alpha_H = alpha_H;
    }
    validate(o);
  });
  o.command_line = joined("mpinmf project", arguments);
  return result;
}

CommandLine parse_convert(const std::vector<std::string>& arguments) {
  CommandLine result;
  result.action = CommandLine::Action::convert;
  ConvertOptions& o = result.convert;
  std::string format = "auto";
  std::string layout = "auto";
  po::options_description all("Options");
  all.add_options()("input,i", po::value(&o.input)->value_name("FILE"),
                    "file holding the matrix (required): HDF5, .h5ad, 10x .h5, .mtx or .mtx.gz")(
      "dataset,d", po::value(&o.dataset)->value_name("PATH")->default_value(o.dataset),
      "inside an HDF5 input: the 2-D dataset or sparse group (.h5ad files use /X and 10x "
      "files /matrix unless told)")("format",
                                    po::value(&format)->value_name("FORMAT")->default_value(format),
                                    "auto (from the file), dense, csr, csc, h5ad, 10x or mtx")(
      "transpose", po::bool_switch(&o.transpose),
      "write Vᵀ (10x files store genes × cells; pass this to get cells as rows)")(
      "output,o", po::value(&o.output)->value_name("FILE"), "HDF5 file to write (required)")(
      "output-dataset",
      po::value(&o.output_dataset)->value_name("PATH")->default_value(o.output_dataset),
      "the group (csr) or dataset (dense) to write inside it")(
      "layout", po::value(&layout)->value_name("LAYOUT")->default_value(layout),
      "csr, dense, or auto: csr for sparse inputs, dense for dense ones")(
      "force-dense", po::bool_switch(&o.force_dense),
      "write --layout dense even when it is far larger than the nonzeros")(
      "overwrite", po::bool_switch(&o.overwrite), "replace the output file if it exists")(
      "help,h", "show this help");
  parse_arguments(result, arguments, all, kConvertUsage, [&](const po::variables_map&) {
    o.format = parse_input_format(format);
    o.layout = parse_output_layout(layout);
    validate(o);
  });
  o.command_line = joined("mpinmf convert", arguments);
  return result;
}

CommandLine parse_generate(const std::vector<std::string>& arguments) {
  CommandLine result;
  result.action = CommandLine::Action::generate;
  GenerateOptions& o = result.generate;
  std::string layout = "auto";
  po::options_description all("Options");
  all.add_options()("rows,m", po::value(&o.rows)->value_name("M"), "rows of V (required)")(
      "columns,n", po::value(&o.columns)->value_name("N"), "columns of V (required)")(
      "rank,k", po::value(&o.rank)->value_name("K"),
      "components of the planted W and H (required)")(
      "clusters", po::value(&o.clusters)->value_name("C")->default_value(o.clusters),
      "planted column clusters (0: as many as --rank)")(
      "density", po::value(&o.density)->value_name("D")->default_value(o.density),
      "share of entries kept, in (0, 1]; below 1, V is written sparse (CSR)")(
      "noise", po::value(&o.noise)->value_name("σ")->default_value(o.noise),
      "noise standard deviation, relative to the mean entry of W H")(
      "seed", po::value(&o.seed)->value_name("N")->default_value(o.seed),
      "the same seed gives the same matrix for any number of ranks")(
      "output,o", po::value(&o.output)->value_name("FILE"), "HDF5 file to write (required)")(
      "output-dataset",
      po::value(&o.output_dataset)->value_name("PATH")->default_value(o.output_dataset),
      "the dataset (dense) or group (csr) to write V to")(
      "layout", po::value(&layout)->value_name("LAYOUT")->default_value(layout),
      "csr, dense, or auto: csr when --density is below 1, dense otherwise")(
      "overwrite", po::bool_switch(&o.overwrite), "replace the output file if it exists")(
      "help,h", "show this help");
  parse_arguments(result, arguments, all, kGenerateUsage, [&](const po::variables_map&) {
    o.layout = parse_output_layout(layout);
    if (o.clusters == 0) {
      o.clusters = o.rank;
    }
    validate(o);
  });
  o.command_line = joined("mpinmf generate", arguments);
  return result;
}

CommandLine parse_survey(const std::vector<std::string>& arguments) {
  CommandLine result;
  result.action = CommandLine::Action::survey;
  SurveyOptions& o = result.survey;
  std::string ranks;
  double learning_rate = 0.0;
  std::string algorithm = "hals";
  std::string format = "auto";
  std::string precision = "double";
  o.stopping.tolerance = 1e-5;
  o.stopping.max_iterations = 1000;
  po::options_description all("Options");
  all.add_options()("input,i", po::value(&o.input)->value_name("FILE"),
                    "file holding V (required), any format the main command reads")(
      "dataset,d", po::value(&o.dataset)->value_name("PATH")->default_value(o.dataset),
      "inside an HDF5 input: the 2-D dataset or sparse group")(
      "format", po::value(&format)->value_name("FORMAT")->default_value(format),
      "auto (from the file), dense, csr, csc, h5ad, 10x or mtx")(
      "transpose", po::bool_switch(&o.transpose),
      "survey Vᵀ: its columns are V's rows (cluster genes instead of samples)")(
      "output,o", po::value(&o.output)->value_name("FILE"), "HDF5 file to write (required)")(
      "overwrite", po::bool_switch(&o.overwrite), "replace the output files if they exist")(
      "ranks,r", po::value(&ranks)->value_name("LIST"),
      "candidate k: FIRST:LAST (2:10) or a list (2,4,8) (required)")(
      "restarts", po::value(&o.restarts)->value_name("N")->default_value(o.restarts),
      "random restarts per k (R's NMF uses 30 to 100 for a survey)")(
      "group-size", po::value(&o.group_size)->value_name("G")->default_value(o.group_size),
      "MPI ranks per restart; must divide the number of ranks")(
      "algorithm,a", po::value(&algorithm)->value_name("RULE")->default_value(algorithm),
      "update rule: mu, pgd, hals, anls-bpp or kl")(
      "delta", po::value(&o.rule.delta)->value_name("δ")->default_value(o.rule.delta, "2.2e-16"),
      "mu and kl: added to denominators (see mpinmf --help)")(
      "learning-rate", po::value(&learning_rate)->value_name("η"),
      "pgd: fixed step (default: the safe step from the Gram)")(
      "max-iter",
      po::value(&o.stopping.max_iterations)
          ->value_name("N")
          ->default_value(o.stopping.max_iterations),
      "at most this many iterations per restart")(
      "tol",
      po::value(&o.stopping.tolerance)
          ->value_name("T")
          ->default_value(o.stopping.tolerance, "1e-5"),
      "stop a restart when one iteration lowers the objective by less than this fraction")(
      "seed", po::value(&o.seed)->value_name("N")->default_value(o.seed),
      "the same seed gives the same survey for any number of ranks")(
      "consensus-columns",
      po::value(&o.consensus_columns)->value_name("N")->default_value(o.consensus_columns),
      "compute the consensus on at most this many columns (it needs n² memory on rank 0)")(
      "threads", po::value(&o.threads)->value_name("N")->default_value(0),
      "threads per rank, for BLAS and mpinmf's own loops (0: automatic)")(
      "precision", po::value(&precision)->value_name("P")->default_value(precision),
      kPrecisionHelp)("help,h", "show this help");
  parse_arguments(result, arguments, all, kSurveyUsage, [&](const po::variables_map& values) {
    if (values.count("learning-rate") != 0U) {
      o.rule.learning_rate = learning_rate;
    }
    o.format = parse_input_format(format);
    o.precision = parse_precision(precision);
    o.rule.algorithm = parse_algorithm(algorithm);
    if (!ranks.empty()) {
      o.ranks = parse_rank_list(ranks);
    }
    validate(o);
  });
  o.command_line = joined("mpinmf survey", arguments);
  return result;
}

}  // namespace

CommandLine parse_command_line(const std::vector<std::string>& arguments) {
  if (!arguments.empty() && arguments.front() == "project") {
    return parse_project(std::vector<std::string>(arguments.begin() + 1, arguments.end()));
  }
  if (!arguments.empty() && arguments.front() == "convert") {
    return parse_convert(std::vector<std::string>(arguments.begin() + 1, arguments.end()));
  }
  if (!arguments.empty() && arguments.front() == "survey") {
    return parse_survey(std::vector<std::string>(arguments.begin() + 1, arguments.end()));
  }
  if (!arguments.empty() && arguments.front() == "generate") {
    return parse_generate(std::vector<std::string>(arguments.begin() + 1, arguments.end()));
  }
  CommandLine result;
  RunOptions& o = result.options;
  std::string algorithm = "mu";
  std::string format = "auto";
  std::string precision = "double";
  double learning_rate = 0.0;
  double alpha_H = 0.0;

  po::options_description data("Input and output");
  data.add_options()("input,i", po::value(&o.input)->value_name("FILE"),
                     "file holding V (required): HDF5 (dense dataset or sparse group), AnnData "
                     ".h5ad, 10x Genomics .h5, or Matrix Market .mtx / .mtx.gz")(
      "dataset,d", po::value(&o.dataset)->value_name("PATH")->default_value(o.dataset),
      "inside an HDF5 input: a 2-D dataset (float64, float32 or integer) or a sparse group "
      "(data, indices, indptr). .h5ad files use /X and 10x files /matrix unless told")(
      "format", po::value(&format)->value_name("FORMAT")->default_value(format),
      "auto (from the file), dense, csr, csc, h5ad, 10x or mtx")(
      "transpose", po::bool_switch(&o.transpose),
      "factor Vᵀ instead of V (10x files store genes × cells; AnnData cells × genes)")(
      "output,o", po::value(&o.output)->value_name("FILE"),
      "HDF5 file to write W, H and the history to (required)")(
      "overwrite", po::bool_switch(&o.overwrite), "replace the output file if it exists")(
      "summary-json", po::value(&o.summary_json)->value_name("FILE"),
      "also write the closing summary as JSON (for scripts)");

  po::options_description model("Model");
  model.add_options()("rank,k", po::value(&o.rank)->value_name("K"),
                      "number of components k, 1 ≤ k ≤ min(m, n) (required)")(
      "algorithm,a", po::value(&algorithm)->value_name("RULE")->default_value(algorithm),
      "update rule: mu, pgd, hals, anls-bpp or kl (see Rules below)")(
      "delta", po::value(&o.rule.delta)->value_name("δ")->default_value(o.rule.delta, "2.2e-16"),
      "mu: added to denominators; the default only guards against 0/0, larger values "
      "(the R write-up uses 0.001) damp the updates")(
      "lambda", po::value(&o.rule.lambda)->value_name("λ")->default_value(o.rule.lambda),
      "pgd: L2 penalty, minimizes ½‖V − WH‖² + λ/2 (‖W‖² + ‖H‖²)")(
      "learning-rate", po::value(&learning_rate)->value_name("η"),
      "pgd: fixed step; default: 1 / (largest eigenvalue of the k × k Gram + λ), "
      "which never increases the objective")(
      "alpha-W", po::value(&o.rule.alpha_W)->value_name("α")->default_value(0.0),
      "penalty weight on W (see Penalties below)")(
      "alpha-H", po::value(&alpha_H)->value_name("α"),
      "penalty weight on H; default: the same as --alpha-W")(
      "l1-ratio", po::value(&o.rule.l1_ratio)->value_name("ρ")->default_value(0.0),
      "share of L1 in the penalties: 0 pure L2, 1 pure L1 (sparse factors)")(
      "inner-sweeps", po::value(&o.rule.inner_sweeps)->value_name("N")->default_value(0),
      "hals: sweeps over the components per half-iteration (0: chosen from the sizes, "
      "at most 5)");

  model.add_options()(
      "normalize", po::value(&o.normalize)->value_name("HOW")->default_value(o.normalize),
      "rescale the result: l1 makes each column of W sum to 1 (topic-model style), l2 gives "
      "each unit length; H's rows absorb the scale so WH is unchanged. none (default) keeps "
      "the factors as the rule left them, as scikit-learn and R's NMF do");

  po::options_description start("Start");
  start.add_options()("seed", po::value(&o.seed)->value_name("N")->default_value(o.seed),
                      "random start: the same seed gives the same factors for any number of ranks")(
      "init", po::value(&o.init)->value_name("HOW")->default_value(o.init),
      "random, or an SVD-based start (Boutsidis & Gallopoulos) computed distributed from a "
      "randomized SVD of V: nndsvd (zeros kept: good for sparse factors, with hals or "
      "anls-bpp), nndsvda (zeros filled with mean(V): use with mu), nndsvdar (zeros filled "
      "with small random values)")("init-file", po::value(&o.init_file)->value_name("FILE"),
                                   "start from /W and /H of an earlier result (a warm start)");

  po::options_description stopping("Stopping");
  stopping.add_options()("max-iter",
                         po::value(&o.stopping.max_iterations)
                             ->value_name("N")
                             ->default_value(o.stopping.max_iterations),
                         "at most this many iterations")(
      "tol",
      po::value(&o.stopping.tolerance)
          ->value_name("T")
          ->default_value(o.stopping.tolerance, "1e-6"),
      "stop when one iteration lowers the objective by less than this fraction (0: never)")(
      "pg-tol", po::value(&o.stopping.gradient_tolerance)->value_name("T")->default_value(0.0, "0"),
      "stop when the projected gradient's norm is below this fraction of its start, the "
      "ANLS literature's test (Frobenius rules; 0: off). Reported in /history either way")(
      "time-limit",
      po::value(&o.stopping.time_limit_seconds)->value_name("SECONDS")->default_value(0.0),
      "stop after this many seconds of iterations (0: no limit)");

  po::options_description checkpoints("Checkpoints (see README: Long runs)");
  checkpoints.add_options()(
      "checkpoint", po::value(&o.checkpoint)->value_name("FILE"),
      "where checkpoints go; default: the output's name with .checkpoint before its extension")(
      "checkpoint-every", po::value(&o.checkpoint_every)->value_name("N")->default_value(0),
      "write a checkpoint every N iterations (0: off)")(
      "checkpoint-interval",
      po::value(&o.checkpoint_interval)->value_name("SECONDS")->default_value(0.0),
      "write a checkpoint when this many seconds have passed since the last (0: off). "
      "Whatever these say, SIGTERM, SIGINT or SIGUSR1 make every rank finish its iteration, "
      "write a checkpoint and exit with status 75; a second SIGINT exits at once")(
      "resume", po::value(&o.resume)->value_name("FILE"),
      "continue from a checkpoint: same input, k, rule and rule settings; any number of ranks "
      "(the same number gives the uninterrupted run's result bit for bit)");

  po::options_description run("Running");
  run.add_options()(
      "threads", po::value(&o.threads)->value_name("N")->default_value(0),
      "threads per rank, for BLAS and mpinmf's own loops (0: the cores this rank may use, "
      "shared among the node's ranks)")(
      "precision", po::value(&precision)->value_name("P")->default_value(precision),
      kPrecisionHelp)("print-every",
                      po::value(&o.print_every)->value_name("N")->default_value(o.print_every),
                      "print a progress line every N iterations (0: only the summary)")(
      "skip-resource-check", po::bool_switch(&o.skip_resource_check),
      "run even when the check made before V is read says the memory of a node or the disk "
      "space for the output falls short: for when its estimate is too cautious (it counts "
      "OpenBLAS's largest buffers, for instance) or the memory reported free is not what "
      "the job may really use")("help,h", "show this help")("version", "show the version");

  po::options_description all;
  all.add(data).add(model).add(start).add(stopping).add(checkpoints).add(run);

  const auto finish = [&](const po::variables_map& values) {
    if (values.count("version") != 0U) {
      result.action = CommandLine::Action::version;
      result.message = std::string("mpinmf ") + MPINMF_VERSION + "\n";
      return;
    }
    o.rule.algorithm = parse_algorithm(algorithm);
    o.format = parse_input_format(format);
    o.precision = parse_precision(precision);
    if (values.count("learning-rate") != 0U) {
      o.rule.learning_rate = learning_rate;
    }
    if (values.count("alpha-H") != 0U) {
      o.rule.alpha_H = alpha_H;
    }
    validate(o);
  };
  parse_arguments(result, arguments, all, kUsage, finish, kFooter);

  o.command_line = joined("mpinmf", arguments);
  return result;
}

}  // namespace mpinmf
