#pragma once
// Sizes in bytes as people read them: the one formatter every message uses.

#include <algorithm>
#include <array>
#include <concepts>
#include <iomanip>
#include <sstream>
#include <string>

namespace mpinmf {

/// "512 bytes", "2 KiB", "310 MiB", "12.4 GiB", "2.0 TiB": binary units, the largest that
/// fits. Whole KiB and MiB read well; GiB and TiB keep one decimal.
inline std::string format_bytes(double bytes) {
  struct Unit {
    double size;
    const char* name;
    int decimals;
  };
  constexpr double kKiB = 1024.0;
  constexpr std::array<Unit, 4> kUnits{{{kKiB * kKiB * kKiB * kKiB, "TiB", 1},
                                        {kKiB * kKiB * kKiB, "GiB", 1},
                                        {kKiB * kKiB, "MiB", 0},
                                        {kKiB, "KiB", 0}}};
  const auto* unit = std::find_if(kUnits.begin(), kUnits.end(),
                                  [&](const Unit& candidate) { return bytes >= candidate.size; });
  std::ostringstream text;
  text << std::fixed;
  if (unit == kUnits.end()) {
    text << std::setprecision(0) << bytes << " bytes";
  } else {
    text << std::setprecision(unit->decimals) << bytes / unit->size << " " << unit->name;
  }
  return text.str();
}

/// The same for a count of bytes.
template <std::integral Count>
std::string format_bytes(Count bytes) {
  return format_bytes(static_cast<double>(bytes));
}

}  // namespace mpinmf
