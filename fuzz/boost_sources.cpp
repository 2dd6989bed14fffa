// Boost.JSON and Boost.URL compiled into the fuzz targets from their headers,
// with the same sanitizer and coverage instrumentation as our own code (see
// fuzz/CMakeLists.txt). Each src.hpp is meant to be included once per program.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
