#pragma once
// data/calendar/nyse_closures.csv, compiled into the library at build time (see
// src/store/CMakeLists.txt) so the calendar never depends on where the binary runs.
#include <string_view>

namespace kestrel::store {

std::string_view embedded_nyse_closures_csv();

}  // namespace kestrel::store
