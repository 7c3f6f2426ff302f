#include "io/checkpoint.hpp"

#include <cmath>
#include <sstream>

#include "io/dense_reader.hpp"
#include "io/hdf5_handle.hpp"
#include "mpinmf/error.hpp"

namespace mpinmf::io {
namespace {

constexpr const char* kIterationAttribute = "checkpoint_iteration";
constexpr const char* kGradientAttribute = "gradient_at_start";
constexpr const char* kSquaredNormAttribute = "v_squared_norm";
constexpr const char* kSumAttribute = "v_sum";

/// A root attribute of `file` as the type it was written with; throws Error if absent.
AttributeValue read_attribute(hid_t file, const std::string& name, const std::string& path) {
  if (H5Aexists_by_name(file, "/", name.c_str(), H5P_DEFAULT) <= 0) {
    throw Error(path + ": not an mpinmf checkpoint (attribute " + name + " is missing)");
  }
  const Handle attribute(H5Aopen_by_name(file, "/", name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
                         H5Aclose);
  const Handle type(H5Aget_type(attribute.get()), H5Tclose);
  switch (H5Tget_class(type.get())) {
    case H5T_STRING: {
      const Handle memory_type(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(memory_type.get(), H5T_VARIABLE);
      H5Tset_cset(memory_type.get(), H5T_CSET_UTF8);
      char* text = nullptr;
      if (H5Tis_variable_str(type.get()) <= 0 ||
          H5Aread(attribute.get(), memory_type.get(), &text) < 0) {
        break;
      }
      std::string value = text == nullptr ? std::string() : std::string(text);
      H5free_memory(text);
      return value;
    }
    case H5T_INTEGER: {
      std::int64_t value = 0;
      if (H5Aread(attribute.get(), H5T_NATIVE_INT64, &value) >= 0) {
        return value;
      }
      break;
    }
    case H5T_FLOAT: {
      double value = 0.0;
      if (H5Aread(attribute.get(), H5T_NATIVE_DOUBLE, &value) >= 0) {
        return value;
      }
      break;
    }
    default:
      break;
  }
  throw Error(path + ": cannot read attribute " + name);
}

std::string text_of(const AttributeValue& value) {
  std::ostringstream text;
  std::visit([&](const auto& held) { text << held; }, value);
  return text.str();
}

double number_of(const AttributeValue& value, const std::string& name, const std::string& path) {
  if (const auto* number = std::get_if<double>(&value)) {
    return *number;
  }
  throw Error(path + ": attribute " + name + " is not a number");
}

/// Equal up to the rounding that another summation order brings.
bool close(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

void require_same_run(hid_t file, const std::string& path, const RunIdentity& identity) {
  for (const Attribute& expected : identity.exact) {
    const AttributeValue stored = read_attribute(file, expected.name, path);
    if (stored != expected.value) {
      throw Error(path + " is a checkpoint of a different run: its " + expected.name + " is " +
                  text_of(stored) + ", this run's is " + text_of(expected.value));
    }
  }
  const double squared_norm =
      number_of(read_attribute(file, kSquaredNormAttribute, path), kSquaredNormAttribute, path);
  const double sum = number_of(read_attribute(file, kSumAttribute, path), kSumAttribute, path);
  if (!close(squared_norm, identity.v_squared_norm) || !close(sum, identity.v_sum)) {
    std::ostringstream message;
    message.precision(17);
    message << path << " is a checkpoint of a different input matrix: its V has sum " << sum
            << " and squared norm " << squared_norm << ", this run's has " << identity.v_sum
            << " and " << identity.v_squared_norm;
    throw Error(message.str());
  }
}

std::vector<HistoryEntry> history_from_table(const RowMatrix& table) {
  std::vector<HistoryEntry> history(static_cast<std::size_t>(table.rows()));
  for (Index row = 0; row < table.rows(); ++row) {
    HistoryEntry& entry = history[static_cast<std::size_t>(row)];
    entry.iteration = static_cast<int>(table(row, 0));
    entry.seconds = table(row, 1);
    entry.relative_error = table(row, 2);
    entry.objective = table(row, 3);
    entry.projected_gradient = table(row, 4);
  }
  return history;
}

}  // namespace

void write_checkpoint(Communicator& comm, const std::string& path, const Factors& factors,
                      IndexRange rows, Index total_rows, const LoopSnapshot& snapshot,
                      const RunIdentity& identity, std::vector<Attribute> attributes) {
  attributes.insert(attributes.end(), identity.exact.begin(), identity.exact.end());
  attributes.push_back(
      {kIterationAttribute, static_cast<std::int64_t>(snapshot.history.back().iteration)});
  attributes.push_back({kGradientAttribute, snapshot.gradient_at_start});
  attributes.push_back({kSquaredNormAttribute, identity.v_squared_norm});
  attributes.push_back({kSumAttribute, identity.v_sum});
  write_factor_file(comm, path, factors, rows, total_rows, snapshot.history, attributes);
}

Checkpoint read_checkpoint(const Communicator& comm, const std::string& path, IndexRange rows,
                           Index total_rows, Index columns, Index rank,
                           const RunIdentity& identity) {
  silence_hdf5_errors();
  Checkpoint checkpoint;
  {
    Handle file;
    comm.run_agreed([&] {
      file = open_for_reading(comm.handle(), path);
      require_same_run(file.get(), path, identity);
      checkpoint.start.gradient_at_start =
          number_of(read_attribute(file.get(), kGradientAttribute, path), kGradientAttribute, path);
    });
  }
  checkpoint.factors = read_factor_file(comm, path, rows, total_rows, columns, rank);
  const DenseShape history_shape = inspect_dense(comm, path, "/history");
  comm.run_agreed([&] {
    if (history_shape.rows < 1 || history_shape.columns != 5) {
      throw Error(path + ":/history has the wrong shape for an mpinmf checkpoint");
    }
  });
  checkpoint.start.history =
      history_from_table(read_dense_rows(comm, path, "/history", {0, history_shape.rows}));
  return checkpoint;
}

}  // namespace mpinmf::io
