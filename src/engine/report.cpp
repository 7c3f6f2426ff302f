#include "engine/report.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>
#include <ostream>

namespace mpinmf {
namespace {

std::string format(const char* pattern, double value) {
  std::array<char, 64> buffer{};
  std::snprintf(buffer.data(), buffer.size(), pattern, value);
  return buffer.data();
}

std::string megabytes(double bytes) { return format("%.0f MB", bytes / 1e6); }

}  // namespace

void ProgressPrinter::operator()(const HistoryEntry& entry) {
  if (!enabled_) {
    return;
  }
  if (!started_) {
    // The start, or the checkpoint's iteration when resuming.
    started_ = true;
    out_ << "iteration   relative error       change    s/iteration\n";
    out_ << format("%9.0f", entry.iteration) << format("   %14.8e", entry.relative_error) << "\n";
  } else if (entry.iteration % every_ == 0) {
    const double per_iteration =
        (entry.seconds - last_seconds_) / static_cast<double>(entry.iteration - last_iteration_);
    out_ << format("%9.0f", entry.iteration) << format("   %14.8e", entry.relative_error)
         << format("   %+10.3e", entry.relative_error - last_error_)
         << format("   %12.4g", per_iteration) << "\n";
  } else {
    return;
  }
  out_.flush();
  last_error_ = entry.relative_error;
  last_seconds_ = entry.seconds;
  last_iteration_ = entry.iteration;
}

void ProgressPrinter::checkpoint_written(int iteration, const std::string& path, double seconds) {
  if (enabled_) {
    out_ << "checkpoint at iteration " << iteration << " written to " << path << " in "
         << format("%.2g", seconds) << " s" << std::endl;
  }
}

void print_summary(std::ostream& out, const RunSummary& s) {
  const auto& peaks = s.peak_memory_bytes;
  const double peak_max = peaks.empty() ? 0.0 : *std::max_element(peaks.begin(), peaks.end());
  const double peak_min = peaks.empty() ? 0.0 : *std::min_element(peaks.begin(), peaks.end());
  out << "\nmpinmf summary\n"
      << "  problem          V " << s.rows << " × " << s.columns << ", k = " << s.rank << ", rule "
      << s.algorithm << ", " << s.ranks << " rank(s) × " << s.threads_per_rank << " thread(s)\n"
      << "  input            " << s.input;
  if (s.sparse) {
    out << ", " << format("%.0f", s.nonzeros) << " nonzeros ("
        << format("%.3g", 100.0 * s.nonzeros /
                              (static_cast<double>(s.rows) * static_cast<double>(s.columns)))
        << "%), max/mean per rank " << format("%.3f", s.nonzero_imbalance);
  }
  out << ", " << s.precision << " precision\n"
      << "  iterations       " << s.iterations << " (" << s.stop_reason << ")\n"
      << "  relative error   " << format("%.6e", s.relative_error) << " (start "
      << format("%.6e", s.initial_relative_error) << ")\n"
      << "  objective        " << format("%.6e", s.objective)
      << (s.algorithm == "kl" ? "   (D(V ‖ WH))\n" : "   (½‖V − WH‖² + penalties)\n")
      << "  wall time        " << format("%.3f s", s.wall_seconds) << "\n"
      << "    compute        " << format("%.3f s", s.compute_seconds) << "\n"
      << "    communication  " << format("%.3f s", s.communication_seconds) << "\n"
      << "    I/O            " << format("%.3f s", s.io_seconds) << "   (each the slowest rank's)\n"
      << "  per iteration    " << format("%.4g s", s.seconds_per_iteration) << ", "
      << format("%.3g", s.communicated_bytes_per_iteration / 1e6) << " MB moved per rank\n"
      << "  peak memory      ";
  if (peaks.size() <= 8) {
    for (std::size_t i = 0; i < peaks.size(); ++i) {
      out << (i ? ", " : "") << "rank " << i << " " << megabytes(peaks[i]);
    }
  } else {
    out << "max " << megabytes(peak_max) << ", min " << megabytes(peak_min) << " per rank";
  }
  out << "\n  output           " << s.output << "\n";
  if (!s.vanished_components.empty()) {
    out << "  warning          component(s)";
    for (const Index j : s.vanished_components) {
      out << " " << j;
    }
    out << " (0-based) vanished: W's column times H's row carries under 1e-12 of the largest."
           " k may be larger than the data supports.\n";
  }
  out.flush();
}

std::string summary_json(const RunSummary& s) {
  // ordered_json keeps the keys in this order; a double is written in the fewest digits that
  // read back as the same double (a non-finite one as null).
  const nlohmann::ordered_json json = {
      {"algorithm", s.algorithm},
      {"rows", s.rows},
      {"columns", s.columns},
      {"rank", s.rank},
      {"input", s.input},
      {"sparse", s.sparse},
      {"precision", s.precision},
      {"nonzeros", s.nonzeros},
      {"nonzero_imbalance", s.nonzero_imbalance},
      {"ranks", s.ranks},
      {"threads_per_rank", s.threads_per_rank},
      {"iterations", s.iterations},
      {"initial_relative_error", s.initial_relative_error},
      {"relative_error", s.relative_error},
      {"objective", s.objective},
      {"stop_reason", s.stop_reason},
      {"wall_seconds", s.wall_seconds},
      {"compute_seconds", s.compute_seconds},
      {"communication_seconds", s.communication_seconds},
      {"io_seconds", s.io_seconds},
      {"seconds_per_iteration", s.seconds_per_iteration},
      {"communicated_bytes_per_iteration", s.communicated_bytes_per_iteration},
      {"peak_memory_bytes", s.peak_memory_bytes},
  };
  // Text that is not UTF-8 is written with U+FFFD in its place rather than refused.
  return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace mpinmf
