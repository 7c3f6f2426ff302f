#pragma once
// `mpinmf survey`: which k? Every candidate rank is factorized from many random starts;
// how well the restarts agree on the columns' clusters (analysis/consensus.hpp) says which k the
// data support. The world's ranks are split into groups; each group reads V once, split
// by rows as the main command does, and factors whole restarts. Rank 0 gathers the
// restarts' column assignments and computes the consensus; the best restart of each k is
// written by the group that found it.

#include <iosfwd>
#include <string>
#include <vector>

#include "mpinmf/options.hpp"
#include "parallel/comm.hpp"

namespace mpinmf {

/// One row of the survey: what the restarts of one k gave.
struct SurveyRow {
  Index k = 0;
  int restarts = 0;
  double best_objective = 0.0;
  double mean_objective = 0.0;
  double best_relative_error = 0.0;
  double explained_variance = 0.0;  // 1 − best relative error²
  double cophenetic = 0.0;
  double dispersion = 0.0;
  double silhouette = 0.0;
  double mean_iterations = 0.0;
  std::uint64_t best_seed = 0;
};

/// The k a survey suggests: among the k whose cophenetic correlation is within
/// `kSuggestionSlack` of the highest (restarts that agree as well as they ever do), the one
/// with the crispest consensus (highest dispersion); of equals, the largest.
inline constexpr double kSuggestionSlack = 0.005;
Index suggested_rank(const std::vector<SurveyRow>& rows);

/// The survey's table as tab-separated text with a header line.
std::string survey_tsv(const std::vector<SurveyRow>& rows);

/// Runs the survey and writes OUTPUT and OUTPUT's .tsv; prints progress and the table on
/// rank 0. Every rank calls it; failures surface as AgreedError on all ranks and leave no
/// output.
void run_survey(Communicator& world, const SurveyOptions& options, std::ostream& out);

}  // namespace mpinmf
