# Third-party packages, all from Debian 12 (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(TBB REQUIRED)
find_package(Eigen3 REQUIRED NO_MODULE)
find_package(PkgConfig REQUIRED)
# Boost.Beast (header-only, Boost 1.81: libboost1.81-dev) for Alpaca's websocket stream, with
# OpenSSL for wss://.
find_package(Boost 1.81 REQUIRED)
find_package(OpenSSL REQUIRED)
# Debian ships cpp-httplib as a compiled library without a CMake config; pkg-config also
# turns on its OpenSSL support.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
# libpqxx 6.4 (Debian 12 ships no 7.x) for the trading journal on PostgreSQL.
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
# libdeflate: whole-buffer gzip decompression, 2-3x zlib's inflate, for loading CSV folders.
pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
# LibTorch (CPU build on Debian) for the neural models and tensor export.
find_package(Torch REQUIRED)
# XGBoost's CMake config references the xgboost CLI package; find the C API directly.
find_path(XGBOOST_INCLUDE_DIR xgboost/c_api.h REQUIRED)
find_library(XGBOOST_LIBRARY xgboost REQUIRED)
add_library(xgboost::xgboost UNKNOWN IMPORTED)
set_target_properties(xgboost::xgboost PROPERTIES IMPORTED_LOCATION ${XGBOOST_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${XGBOOST_INCLUDE_DIR})
