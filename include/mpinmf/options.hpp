#pragma once
// The validated run configuration. Boost.Program_options lives only in the CLI; this is
// what the rest of the program sees.

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "mpinmf/types.hpp"

namespace mpinmf {

/// The update rules. A rule is a value here, a row of `kAlgorithms` below, a row of the
/// rule registry (rules/registry.cpp) and its own files (docs/architecture.md).
enum class Algorithm { multiplicative, projected_gradient, hals, anls_bpp, kullback_leibler };

/// A rule as users meet it: its name on the command line and its line of --help.
struct AlgorithmInfo {
  Algorithm algorithm;
  const char* name;
  const char* help;
};

inline constexpr AlgorithmInfo kAlgorithms[] = {
    {Algorithm::multiplicative, "mu",
     "Lee & Seung's multiplicative updates, the reference (R's NMF \"lee\"): simple, slow to "
     "converge (thousands of iterations for a tight fit)."},
    {Algorithm::projected_gradient, "pgd",
     "projected gradient with an L2 penalty λ (--lambda); the step adapts to the data unless "
     "--learning-rate fixes it."},
    {Algorithm::hals, "hals",
     "hierarchical alternating least squares, several cheap sweeps over the components per "
     "iteration: fast, the usual first choice."},
    {Algorithm::anls_bpp, "anls-bpp",
     "alternating non-negative least squares, each half solved exactly by block principal "
     "pivoting: fewest iterations, the most accurate, best for small k."},
    {Algorithm::kullback_leibler, "kl",
     "multiplicative updates for the Kullback–Leibler divergence D(V ‖ WH), for counts "
     "(Poisson noise): single-cell, text, ratings."},
};

/// A rule's name as users type it ("mu", "hals", …); throws Error for anything else.
Algorithm parse_algorithm(const std::string& name);
std::string algorithm_name(Algorithm algorithm);
/// "mu, pgd, hals, anls-bpp or kl": the names as the help and messages list them.
std::string algorithm_choices();

/// How V is stored (see io/input.hpp); `automatic` decides from the file.
enum class InputFormat { automatic, dense, csr, csc, h5ad, tenx, matrix_market };

/// "auto", "dense", "csr", "csc", "h5ad", "10x" or "mtx"; throws Error for anything else.
InputFormat parse_input_format(const std::string& name);

/// The names an option with a fixed set of values accepts ("algorithm", "format", "init",
/// "normalize", "precision", "layout", "axis": its long name), as its parser reads them; none
/// for any other option. The shell completion lists them.
std::vector<std::string> choices_of(const std::string& option);

/// How V's block is held in memory. `single` halves its memory and bandwidth; the loop then
/// holds its factors and products in float too, and the sums that decide convergence stay
/// double (engine/frobenius_loop.cpp).
enum class Precision { double_precision, single_precision };

/// "double" or "single"; throws Error for anything else.
Precision parse_precision(const std::string& name);
std::string precision_name(Precision precision);

/// Settings of the update rules.
struct RuleSettings {
  Algorithm algorithm = Algorithm::multiplicative;
  /// Added to the multiplicative rule's denominators. Machine epsilon, as scikit-learn
  /// uses: it only guards 0/0 and leaves the Lee–Seung step, which never increases the
  /// objective, unchanged in practice. Larger values damp the updates.
  double delta = std::numeric_limits<double>::epsilon();
  /// L2 penalty λ of the projected-gradient rule: adds λ/2 (‖W‖² + ‖H‖²) to ½‖V − WH‖².
  double lambda = 0.01;
  /// Fixed step η; when absent, 1 / (largest eigenvalue of the block's Gram + λ).
  std::optional<double> learning_rate;
  /// Elastic-net penalties, as scikit-learn names and scales them (see rules/penalty.hpp).
  double alpha_W = 0.0;
  std::optional<double> alpha_H;  // absent: the same as alpha_W
  double l1_ratio = 0.0;
  /// HALS: sweeps over the components per half-iteration; 0 chooses from the sizes.
  int inner_sweeps = 0;
};

/// When the alternating loop stops.
struct StoppingCriteria {
  int max_iterations = 500;
  /// Stop when the objective's relative decrease in one iteration falls below this.
  double tolerance = 1e-6;
  /// Stop when the projected gradient's norm falls below this fraction of its value at
  /// the start (Frobenius rules); 0 turns the test off.
  double gradient_tolerance = 0.0;
  /// Wall-clock seconds for the iterations; 0 means no limit.
  double time_limit_seconds = 0.0;
};

/// The settings every command that reads a matrix shares: where V is (--input, --dataset,
/// --format), whether to take Vᵀ (--transpose), and how its rows are held once read
/// (--precision; only the commands that factorize offer it). The commands' options derive
/// from these groups, so that each is declared, parsed and used once.
struct InputSettings {
  std::string input;
  std::string dataset = "/V";  // the dataset or group; ignored where the format fixes it
  InputFormat format = InputFormat::automatic;
  bool transpose = false;  // read Vᵀ
  Precision precision = Precision::double_precision;
};

/// Where a command writes (--output), and whether it may replace what is there (--overwrite).
struct OutputSettings {
  std::string output;
  bool overwrite = false;
  bool quiet = false;  // --quiet: nothing on standard output; errors still go to standard error
};

/// What a command may use of the machine (--threads) and whether it checks first that its
/// memory and disk suffice (--skip-resource-check).
struct ResourceSettings {
  int threads = 0;                   // 0: the cores available to this rank
  bool skip_resource_check = false;  // run even when the memory or disk check says no
};

struct RunOptions : InputSettings, OutputSettings, ResourceSettings {
  Index rank = 0;  // k, the number of components
  RuleSettings rule;
  StoppingCriteria stopping;
  std::uint64_t seed = 1;
  std::string init = "random";     // random, nndsvd, nndsvda or nndsvdar
  std::string init_file;           // W and H of an earlier run (overrides init)
  std::string normalize = "none";  // none, l1 or l2: see engine/normalize.hpp
  int print_every = 50;            // 0 silences progress lines
  std::string summary_json;
  std::string command_line;
  std::string checkpoint;            // empty: next to the output (see checkpoint_path)
  int checkpoint_every = 0;          // iterations between checkpoints; 0: off
  double checkpoint_interval = 0.0;  // seconds between checkpoints; 0: off
  std::string resume;                // a checkpoint to continue from
};

/// Checks everything that can be checked before any data is read; throws Error naming
/// the option and what is wrong.
void validate(const RunOptions& options);

/// The rule settings' part of that: ranges of δ, λ, η, the penalties and the sweeps.
void validate(const RuleSettings& rule);

/// Where checkpoints go: --checkpoint, or the output's name with `.checkpoint` before its
/// extension (result.h5 → result.checkpoint.h5).
std::string checkpoint_path(const RunOptions& options);

/// `mpinmf project`: new data expressed in a learned basis.
/// V' is read as the main command reads V (any format; --precision is not offered).
struct ProjectOptions : InputSettings, OutputSettings, ResourceSettings {
  std::string model;  // a result file holding /W and /H
  /// columns: new samples as columns of V' (m × n'), solved for H' with W fixed;
  /// rows: new rows of V'' (m'' × n), solved for W'' with H fixed.
  std::string axis = "columns";
  RuleSettings rule;  // its penalties apply
  std::string command_line;
};

void validate(const ProjectOptions& options);

/// How `mpinmf convert` stores the matrix: a CSR group or a 2-D dataset; `automatic`
/// keeps the input's kind (CSR for sparse inputs, dense for dense ones).
enum class OutputLayout { automatic, csr, dense };

/// "auto", "csr" or "dense"; throws Error for anything else.
OutputLayout parse_output_layout(const std::string& name);

/// `mpinmf convert`: any input mpinmf reads, rewritten as the HDF5 layout it reads fastest.
/// The input is read in double (--precision is not offered), --transpose writes Vᵀ; --threads
/// is not offered (nothing is computed).
struct ConvertOptions : InputSettings, OutputSettings, ResourceSettings {
  std::string output_dataset = "/V";  // the group (CSR) or dataset (dense) to write
  OutputLayout layout = OutputLayout::automatic;
  bool force_dense = false;  // write a dense copy however much larger than the nonzeros
  std::string command_line;
};

void validate(const ConvertOptions& options);

/// `mpinmf generate`: a test matrix with planted factors and column clusters
/// (analysis/synthetic.hpp).
struct GenerateOptions : OutputSettings {
  Index rows = 0;
  Index columns = 0;
  Index rank = 0;
  Index clusters = 0;  // 0: as many as --rank
  double density = 1.0;
  double noise = 0.1;
  std::uint64_t seed = 1;
  std::string output_dataset = "/V";
  OutputLayout layout = OutputLayout::automatic;  // csr when density < 1, dense otherwise
  std::string command_line;
};

void validate(const GenerateOptions& options);

/// `mpinmf survey`: which k? Restarts of every candidate rank, spread over groups of ranks.
struct SurveyOptions : InputSettings, OutputSettings, ResourceSettings {
  std::vector<Index> ranks;  // the candidate k, increasing
  int restarts = 20;
  int group_size = 1;  // ranks per group; each group factors whole restarts
  RuleSettings rule{
      .algorithm = Algorithm::hals, .learning_rate = std::nullopt, .alpha_H = std::nullopt};
  StoppingCriteria stopping{.max_iterations = 1000, .tolerance = 1e-5};
  std::uint64_t seed = 1;
  /// random, or nndsvdar (an SVD-based start whose zeros are filled at random, differently
  /// for each restart's seed); nndsvd and nndsvda would give every restart the same start.
  std::string init = "random";
  Index consensus_columns = 4000;  // columns the consensus is computed on, at most
  std::string command_line;
};

void validate(const SurveyOptions& options);

/// "2:7" (every k from 2 to 7) or "2,4,8"; throws Error naming --ranks otherwise.
std::vector<Index> parse_rank_list(const std::string& text);

/// The seed of restart `restart` of rank k: distinct per (k, restart), the same whatever
/// the number of ranks or groups, and usable as `mpinmf --seed` to repeat that restart.
std::uint64_t restart_seed(std::uint64_t seed, Index k, int restart);

}  // namespace mpinmf
