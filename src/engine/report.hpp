#pragma once
// What rank 0 tells the user: progress lines during the run, a summary at the end, and
// the same summary as JSON for scripts.

#include <iosfwd>
#include <string>
#include <vector>

#include "mpinmf/result.hpp"

namespace mpinmf {

/// Prints a progress line every `every` iterations (and for the start), on rank 0 only.
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& out, bool is_root, int every)
      : out_(out), enabled_(is_root && every > 0), every_(every) {}
  void operator()(const HistoryEntry& entry);
  void checkpoint_written(int iteration, const std::string& path, double seconds);

 private:
  std::ostream& out_;
  bool enabled_;
  int every_;
  bool started_ = false;
  double last_error_ = 0.0;
  double last_seconds_ = 0.0;
  int last_iteration_ = 0;
};

struct RunSummary {
  std::string algorithm;
  Index rows = 0;
  Index columns = 0;
  Index rank = 0;
  std::string input;  // the format, e.g. "AnnData X, CSR"
  bool sparse = false;
  std::string precision = "double";  // V's in memory: double or single
  double nonzeros = 0.0;
  /// Largest nonzeros on one rank over their mean (sparse V): 1 is a perfect split.
  double nonzero_imbalance = 1.0;
  int ranks = 1;
  int threads_per_rank = 1;
  int iterations = 0;
  double initial_relative_error = 0.0;
  double relative_error = 0.0;
  double objective = 0.0;
  std::string stop_reason;
  double wall_seconds = 0.0;
  // Each the largest over ranks.
  double compute_seconds = 0.0;
  double communication_seconds = 0.0;
  double io_seconds = 0.0;
  double seconds_per_iteration = 0.0;
  double communicated_bytes_per_iteration = 0.0;
  std::vector<double> peak_memory_bytes;  // one per rank
  std::string output;
  std::vector<Index> vanished_components;
};

void print_summary(std::ostream& out, const RunSummary& summary);
std::string summary_json(const RunSummary& summary);

}  // namespace mpinmf
